/** Types shared by every Berth service: errors, lifecycle, stack identity and commit metadata. */
@NullMarked
package dev.berth.common;

import org.jspecify.annotations.NullMarked;
