/**
 * Test fixtures on real parts, used at test scope: a Kafka broker in a container, git repositories,
 * webhook receivers, the Docker Engine, and the CDEvents schemas to check conformance against.
 */
@NullMarked
package dev.berth.testkit;

import org.jspecify.annotations.NullMarked;
