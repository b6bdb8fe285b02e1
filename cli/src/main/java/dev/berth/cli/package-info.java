/**
 * The composition root: the {@code berth} command, its all-in-one mode with an embedded broker,
 * and the logging backend. Nothing here is an API for other modules.
 */
@NullMarked
package dev.berth.cli;

import org.jspecify.annotations.NullMarked;
