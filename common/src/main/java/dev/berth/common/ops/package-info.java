/** The per-service operations endpoint: health, readiness and Prometheus metrics. */
@NullMarked
package dev.berth.common.ops;

import org.jspecify.annotations.NullMarked;
