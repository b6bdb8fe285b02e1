/** Berth's events, their CloudEvents/CDEvents JSON form and the publisher port. */
@NullMarked
package dev.berth.common.event;

import org.jspecify.annotations.NullMarked;
