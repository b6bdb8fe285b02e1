package dev.berth.deployer.internal.docker;

import dev.berth.common.BerthException;

/** A Docker Engine API version, such as {@code 1.41}. Comparable by major, then minor. */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
    /** {@code 1.41}: Docker Engine 20.10, the oldest engine Berth runs on. */
    public static final ApiVersion V1_41 = new ApiVersion(1, 41);

    public static ApiVersion parse(String text) {
        String[] parts = text.strip().split("\\.");
        try {
            if (parts.length == 2) {
                return new ApiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BerthException("the engine answered API version \"" + text + "\", which is not major.minor");
    }

    public boolean atLeast(ApiVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(ApiVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
