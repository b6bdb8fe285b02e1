package dev.berth.deployer.internal;

/** The labels Berth puts on what it creates: they are the truth about what runs. */
final class Labels {
    static final String STACK = "berth.stack";
    static final String SERVICE = "berth.service";
    static final String REVISION = "berth.revision";
    static final String CONFIG_HASH = "berth.config-hash";
    static final String DEPLOYMENT = "berth.deployment";
    /** The stack's directory on the deployer's host, which its bind mounts read: a deployer taking it over finds it here. */
    static final String STACK_DIR = "berth.stack-dir";
    /** Seconds to wait for the container to stop before it is killed (Compose's stop_grace_period). */
    static final String STOP_GRACE_PERIOD = "berth.stop-grace-period";
    /** The container's {@code pre_stop} hooks (JSON), run before Berth stops it; absent when it has none. */
    static final String PRE_STOP = "berth.pre-stop";

    static final String COMPOSE_PROJECT = "com.docker.compose.project";
    static final String COMPOSE_SERVICE = "com.docker.compose.service";
    static final String COMPOSE_NUMBER = "com.docker.compose.container-number";
    static final String COMPOSE_NETWORK = "com.docker.compose.network";
    static final String COMPOSE_VOLUME = "com.docker.compose.volume";
    /** The services a container's service depends on, as Compose writes it: {@code db:service_healthy:false,...}. */
    static final String DEPENDS_ON = "com.docker.compose.depends_on";

    private Labels() {}
}
