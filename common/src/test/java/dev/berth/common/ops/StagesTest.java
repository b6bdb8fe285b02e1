package dev.berth.common.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StagesTest {
    @Test
    void oneHistogramTaggedByStageAndEnvironment() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Stages stages = new Stages(registry);
        stages.record(Stages.Stage.COMMIT_TO_DETECTED, "dev", Duration.ofMillis(1500));
        stages.record(Stages.Stage.APPLIED_TO_HEALTHY, "prod", Duration.ofSeconds(-2));

        String text = registry.scrape();
        assertThat(text)
                .contains("berth_stage_duration_seconds_bucket{environment=\"dev\",stage=\"commit_to_detected\"")
                .contains("berth_stage_duration_seconds_count{environment=\"dev\",stage=\"commit_to_detected\"} 1")
                .contains("berth_stage_duration_seconds_sum{environment=\"prod\",stage=\"applied_to_healthy\"} 0.0");
    }
}
