/** The watcher's private logic, independent of JGit: which stacks a set of changed paths touches. */
@NullMarked
package dev.berth.watcher.internal;

import org.jspecify.annotations.NullMarked;
