package io.cgfed.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

/** The coordinator's settings are one validated record: a wrong value stops the start, naming its property. */
class CoordinatorPropertiesTest {
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(CoordinatorProperties.class)
    static class Bound {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Bound.class)
            .withPropertyValues("cgfed.coordinator.blob-dir=/tmp/blobs", "cgfed.coordinator.codec-service-url=http://c",
                    "cgfed.coordinator.registry-url=http://r", "cgfed.coordinator.tick=1s",
                    "cgfed.coordinator.max-poll-wait=1s", "cgfed.coordinator.worker-timeout=30s");

    @Test
    void theDefaultsAreThoseTheComponentsHadAndNestedSettingsBind() {
        runner.withPropertyValues("cgfed.coordinator.quarantine.max-norm=100").run(context -> {
            CoordinatorProperties p = context.getBean(CoordinatorProperties.class);
            assertThat(p.maxConcurrentUploads()).isEqualTo(16);
            assertThat(p.driverThreads()).isEqualTo(4);
            assertThat(p.uploadMemoryBudget()).isZero();
            assertThat(p.aggregation().maxClientShare()).isEqualTo(1.0);
            assertThat(p.quarantine().madFactor()).isEqualTo(10.0);
            assertThat(p.quarantine().maxNorm()).isEqualTo(100.0);
            assertThat(p.dataRoots()).isEmpty();
        });
    }

    @Test
    void aValueOutOfBoundsFailsTheStartWithThePropertysName() {
        for (String[] bad : new String[][] {{"cgfed.coordinator.driver-threads=0", "driverThreads"},
                {"cgfed.coordinator.max-concurrent-uploads=-1", "maxConcurrentUploads"},
                {"cgfed.coordinator.aggregation.max-client-share=1.5", "aggregation.maxClientShare"},
                {"cgfed.coordinator.quarantine.mad-factor=0", "quarantine.madFactor"}}) {
            runner.withPropertyValues(bad[0]).run(context -> {
                assertThat(context).as(bad[0]).hasFailed();
                assertThat(context.getStartupFailure()).rootCause().as(bad[0]).hasMessageContaining(bad[1]);
            });
        }
    }
}
