package dev.berth.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The module boundaries of STYLE.md, checked over every module's main classes. */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.berth");

    @Test
    void internalPackagesArePrivateToTheirModule() {
        for (String module : new String[] {"common", "watcher", "deployer", "notifier"}) {
            noClasses()
                    .that()
                    .resideOutsideOfPackage("dev.berth." + module + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("dev.berth." + module + ".internal..")
                    .allowEmptyShould(true)
                    .check(CLASSES);
        }
    }

    @Test
    void servicesDoNotDependOnEachOther() {
        String[] services = {"watcher", "deployer", "notifier"};
        for (String a : services) {
            for (String b : services) {
                if (!a.equals(b)) {
                    noClasses()
                            .that()
                            .resideInAPackage("dev.berth." + a + "..")
                            .should()
                            .dependOnClassesThat()
                            .resideInAPackage("dev.berth." + b + "..")
                            .check(CLASSES);
                }
            }
        }
    }

    @Test
    void eachThirdPartyClientLivesInItsAdapter() {
        noClasses()
                .that()
                .resideInAPackage("dev.berth..")
                .and()
                .resideOutsideOfPackages("dev.berth.deployer.internal.docker..", "dev.berth.testkit..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("com.github.dockerjava..")
                .check(CLASSES);
        noClasses()
                .that()
                .resideInAPackage("dev.berth..")
                .and()
                .resideOutsideOfPackages("dev.berth.watcher.internal.git..", "dev.berth.testkit..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.eclipse.jgit..")
                .check(CLASSES);
        // The one HTTP server: Jetty behind common.http, and no more com.sun.net.httpserver.
        noClasses()
                .that()
                .resideInAPackage("dev.berth..")
                .and()
                .resideOutsideOfPackages("dev.berth.common.http..", "dev.berth.testkit..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.eclipse.jetty.server..", "org.eclipse.jetty.io..", "com.sun.net.httpserver..")
                .check(CLASSES);
    }

    @Test
    void librariesDoNotPrint() {
        noClasses()
                .that()
                .resideInAPackage("dev.berth..")
                .and()
                .resideOutsideOfPackages("dev.berth.cli..", "dev.berth.testkit..")
                .should()
                .accessField(System.class, "out")
                .orShould()
                .accessField(System.class, "err")
                .check(CLASSES);
    }
}
