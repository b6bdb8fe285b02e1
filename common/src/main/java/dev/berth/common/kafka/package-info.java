/** Kafka plumbing: settings, topic creation, the CloudEvents binary-mode mapping and consumer loop. */
@NullMarked
package dev.berth.common.kafka;

import org.jspecify.annotations.NullMarked;
