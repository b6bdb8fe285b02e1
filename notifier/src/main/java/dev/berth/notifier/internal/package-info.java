/** HTTP delivery with retries; private to the notifier. */
@NullMarked
package dev.berth.notifier.internal;

import org.jspecify.annotations.NullMarked;
