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
 * The monitoring profile's files, checked without Prometheus or Grafana: the alert rules the issue
 * asks for, each with a unit test for {@code promtool test rules}, scrape targets that are the
 * compose file's services, and a dashboard Grafana can load on the provisioned datasource.
 * ComposeStackIT runs Prometheus itself on these files (Grafana's image is not on these machines).
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
                        "BerthDeadLetterNotEmpty",
                        "BerthDataDirLow",
                        "BerthDataDirFull")
                .doesNotHaveDuplicates();
        // Each rule has a case in alerts_test.yml in which it fires.
        Map<String, Object> tests = yaml("monitoring/prometheus/alerts_test.yml");
        assertThat((List<String>) tests.get("rule_files")).containsExactly("alerts.yml");
        List<String> firing = new ArrayList<>();
        for (Map<String, Object> test : (List<Map<String, Object>>) tests.get("tests")) {
            for (Map<String, Object> check : (List<Map<String, Object>>) test.get("alert_rule_test")) {
                if (check.get("exp_alerts") instanceof List<?> expected && !expected.isEmpty()) {
                    firing.add((String) check.get("alertname"));
                }
            }
        }
        assertThat(firing).containsAll(alerts);
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
    @SuppressWarnings("unchecked")
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
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText("prometheus"))
                        .as(panel.path("title").asText() + " "
                                + target.path("refId").asText())
                        .isEqualTo("prometheus");
            }
        }
        // The provisioned datasource is that uid, on the compose file's Prometheus service.
        var datasources = (List<Map<String, Object>>) yaml("monitoring/grafana/provisioning/datasources/prometheus.yml")
                .get("datasources");
        assertThat(datasources)
                .singleElement()
                .satisfies(d -> assertThat(d)
                        .containsEntry("uid", "prometheus")
                        .containsEntry("type", "prometheus")
                        .containsEntry("url", "http://prometheus:9090"));
        // Grafana finds the dashboard where the compose file mounts it.
        var grafana = (Map<String, Object>)
                ((Map<String, Object>) yaml("docker-compose.yml").get("services")).get("grafana");
        var providers = (List<Map<String, Object>>)
                yaml("monitoring/grafana/provisioning/dashboards/berth.yml").get("providers");
        String dashboards = (String) ((Map<String, Object>) providers.get(0).get("options")).get("path");
        assertThat((List<String>) grafana.get("volumes"))
                .contains("./monitoring/grafana/dashboards:" + dashboards + ":ro");
        assertThat((Map<String, Object>) grafana.get("environment"))
                .containsEntry("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", dashboards + "/berth.json");
    }
}
