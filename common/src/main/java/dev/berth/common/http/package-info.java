/**
 * The one HTTP server the services embed (the ops port, push webhooks): Jetty behind Berth's own
 * small request and reply types, with bounded threads, a deadline for a whole request, and caps on
 * connections in total and per client address. See {@link dev.berth.common.http.HttpListener}.
 */
@NullMarked
package dev.berth.common.http;

import org.jspecify.annotations.NullMarked;
