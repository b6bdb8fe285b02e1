/** The compose stack model and its parser, shared by the watcher (validation) and deployer (apply). */
@NullMarked
package dev.berth.common.compose;

import org.jspecify.annotations.NullMarked;
