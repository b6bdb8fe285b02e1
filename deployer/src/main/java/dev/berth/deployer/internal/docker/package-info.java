/** The only place docker-java is used: an adapter that speaks Berth's own types. */
@NullMarked
package dev.berth.deployer.internal.docker;

import org.jspecify.annotations.NullMarked;
