/** The only place JGit is used: a bare mirror per source, fetched, read and diffed by tree. */
@NullMarked
package dev.berth.watcher.internal.git;

import org.jspecify.annotations.NullMarked;
