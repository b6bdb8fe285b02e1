package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The monitoring profile's files, checked without Prometheus or Grafana (neither image is on these
 * machines): the alert rules the issue asks for, scrape targets that are the compose file's
 * services, and a dashboard Grafana can load.
 */
class MonitoringFilesTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(String path) throws Exception {
        return (Map<String, Object>)
                new Load(LoadSettings.builder().build()).loadFromString(Files.readString(ROOT.resolve(path)));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertTheIssueAsksForIsARuleWithASummary() throws Exception {
        List<Map<String, Object>> groups = (List<Map<String, Object>>)
                yaml("monitoring/prometheus/alerts.yml").get("groups");
        List<String> alerts = new ArrayList<>();
        for (Map<String, Object> group : groups) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                alerts.add((String) rule.get("alert"));
                assertThat((String) rule.get("expr"))
                        .as(rule.get("alert") + " expr")
                        .isNotBlank();
                assertThat(((Map<String, Object>) rule.get("annotations"))).containsKeys("summary", "description");
                assertThat(((Map<String, Object>) rule.get("labels"))).containsKey("severity");
            }
        }
        assertThat(alerts)
                .contains(
                        "BerthDeploymentFailed",
                        "BerthRollback",
                        "BerthWatcherStale",
                        "BerthConsumerLagGrowing",
                        "BerthDeadLetterNotEmpty")
                .doesNotHaveDuplicates();
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesEveryBerthServiceOfTheComposeFile() throws Exception {
        Map<String, Object> services =
                (Map<String, Object>) yaml("docker-compose.yml").get("services");
        List<String> targets = new ArrayList<>();
        var scrape = (List<Map<String, Object>>)
                yaml("monitoring/prometheus/prometheus.yml").get("scrape_configs");
        for (Map<String, Object> job : scrape) {
            for (Map<String, Object> config : (List<Map<String, Object>>) job.get("static_configs")) {
                targets.addAll((List<String>) config.get("targets"));
            }
        }
        // The Berth services are those whose command is a role (the image comes through a merge key).
        List<String> berthServices = services.entrySet().stream()
                .filter(e -> ((Map<String, Object>) e.getValue()).get("command") instanceof List<?> command
                        && List.of("watcher", "deployer", "notifier").contains(command.get(0)))
                .map(e -> e.getKey() + ":8484")
                .toList();
        assertThat(berthServices).hasSize(4);
        assertThat(targets).containsExactlyInAnyOrderElementsOf(berthServices);
    }

    @Test
    void theDashboardIsGrafanaJsonOnTheProvisionedDatasource() throws Exception {
        JsonNode dashboard =
                new ObjectMapper().readTree(Files.readString(ROOT.resolve("monitoring/grafana/dashboards/berth.json")));
        assertThat(dashboard.path("uid").asText()).isEqualTo("berth");
        assertThat(dashboard.path("panels").size()).isGreaterThanOrEqualTo(8);
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("datasource").path("uid").asText())
                    .as(panel.path("title").asText())
                    .isEqualTo("prometheus");
            assertThat(panel.path("targets").get(0).path("expr").asText()).isNotBlank();
        }
        assertThat(Files.readString(ROOT.resolve("monitoring/grafana/provisioning/datasources/prometheus.yml")))
                .contains("uid: prometheus");
    }
}
