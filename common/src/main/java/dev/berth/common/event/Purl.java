package dev.berth.common.event;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Package URLs ({@code pkg:docker/...}) for container images, as CDEvents' artifact ids. */
final class Purl {
    private Purl() {}

    /**
     * {@code busybox:1.35} becomes {@code pkg:docker/busybox@1.35};
     * {@code registry.local:5000/team/app:2} becomes
     * {@code pkg:docker/team/app@2?repository_url=registry.local%3A5000}.
     */
    static String ofImage(String image) {
        String rest = image;
        String registry = null;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        String version = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            version = rest.substring(at + 1);
            rest = rest.substring(0, at);
        } else {
            int colon = rest.lastIndexOf(':');
            if (colon > rest.lastIndexOf('/')) {
                version = rest.substring(colon + 1);
                rest = rest.substring(0, colon);
            }
        }
        StringBuilder purl = new StringBuilder("pkg:docker/").append(rest);
        if (version != null) {
            purl.append('@').append(URLEncoder.encode(version, StandardCharsets.UTF_8));
        }
        if (registry != null) {
            purl.append("?repository_url=").append(URLEncoder.encode(registry, StandardCharsets.UTF_8));
        }
        return purl.toString();
    }
}
