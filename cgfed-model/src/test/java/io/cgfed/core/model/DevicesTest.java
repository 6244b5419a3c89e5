package io.cgfed.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

class DevicesTest {
    @Test
    void settingsNameADevice() {
        assertThat(Devices.parse("cpu")).isEqualTo(Device.cpu());
        assertThat(Devices.parse(" GPU ")).isEqualTo(Device.gpu(0));
        assertThat(Devices.parse("gpu:3")).isEqualTo(Device.gpu(3));
        assertThatThrownBy(() -> Devices.parse("tpu")).hasMessageContaining("cpu, gpu or gpu:N");
        assertThatThrownBy(() -> Devices.parse("gpu:x")).hasMessageContaining("gpu:N");
    }

    @Test
    void aGpuTheEngineDoesNotSeeIsRefused() {
        int gpus = Engine.getInstance().getGpuCount();
        assertThatThrownBy(() -> Devices.require("gpu:" + gpus)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sees " + gpus + " GPU");
        assertThat(Devices.require("cpu")).isEqualTo(Device.cpu());
    }
}
