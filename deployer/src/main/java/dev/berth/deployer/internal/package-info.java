/** Planning and applying a stack; private to the deployer. */
@NullMarked
package dev.berth.deployer.internal;

import org.jspecify.annotations.NullMarked;
