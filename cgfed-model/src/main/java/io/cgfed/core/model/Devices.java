package io.cgfed.core.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compute device a worker trains on, from configuration ({@code CGFED_DEVICE}): {@code cpu},
 * {@code gpu} (the first GPU) or {@code gpu:N}. Never chosen in code: a GPU host says so, and a worker
 * told to use a GPU that the engine does not see refuses to start rather than train on the CPU.
 */
public final class Devices {
    private static final Pattern GPU = Pattern.compile("gpu(?::(\\d+))?");

    private Devices() {
    }

    /** The DJL device for a setting; an unknown setting is an {@link IllegalArgumentException}. */
    public static Device parse(String setting) {
        String s = setting == null ? "cpu" : setting.strip().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        Matcher m = GPU.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("device must be cpu, gpu or gpu:N, not '" + setting + "'");
        }
        return Device.gpu(m.group(1) == null ? 0 : Integer.parseInt(m.group(1)));
    }

    /** The device, checked against the GPUs the engine sees. */
    public static Device require(String setting) {
        Device d = parse(setting);
        if (d.isGpu()) {
            int gpus = Engine.getInstance().getGpuCount();
            if (d.getDeviceId() >= gpus) {
                throw new IllegalStateException("device " + setting + " asked for, but the engine sees " + gpus
                        + " GPU(s) (is the CUDA flavour of libtorch installed: PYTORCH_FLAVOR=cu128?)");
            }
        }
        return d;
    }
}
