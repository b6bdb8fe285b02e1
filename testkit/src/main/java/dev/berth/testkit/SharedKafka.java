package dev.berth.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One Kafka broker per test JVM: a {@link KafkaFixture} parameter of a test class's {@code @BeforeAll}
 * (or of a test) under {@code @ExtendWith(SharedKafka.class)} is the same broker for every class of the
 * JVM, started by the first class that asks and stopped once the JVM's last test ran (JUnit closes what
 * its root store holds), not started and stopped per class. Classes share its topics: each keeps to its
 * own environments, stacks, consumer groups and chains (random names), and reads a topic filtered by them.
 */
public final class SharedKafka implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedKafka.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaFixture.class;
    }

    @Override
    public KafkaFixture resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(KafkaFixture.class, k -> KafkaFixture.start(), KafkaFixture.class);
    }
}
