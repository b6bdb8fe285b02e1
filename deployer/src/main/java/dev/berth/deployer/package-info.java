/** The deployer: consumes stack changes and applies them to a Docker Engine, gated on health. */
@NullMarked
package dev.berth.deployer;

import org.jspecify.annotations.NullMarked;
