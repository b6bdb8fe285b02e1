/** The push webhook receiver: signature checks, replay protection and push payloads. */
@NullMarked
package dev.berth.watcher.internal.webhook;

import org.jspecify.annotations.NullMarked;
