/** The notifier: tells chat and webhooks what happened, and keeps the audit trail. */
@NullMarked
package dev.berth.notifier;

import org.jspecify.annotations.NullMarked;
