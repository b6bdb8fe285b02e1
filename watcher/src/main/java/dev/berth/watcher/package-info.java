/**
 * The watcher: follows one branch of a config repository and publishes the stacks that changed to
 * {@code berth.changes} (and invalid ones to {@code berth.deployments}).
 */
@NullMarked
package dev.berth.watcher;

import org.jspecify.annotations.NullMarked;
