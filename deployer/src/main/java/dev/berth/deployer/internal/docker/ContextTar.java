package dev.berth.deployer.internal.docker;

import dev.berth.common.BerthException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A build context as the engine takes it: a POSIX tar (ustar, with PAX records for long names) of a
 * directory's regular files, sorted, with fixed owners and times so equal files give equal archives.
 * Symbolic links are never followed nor archived. Not thread-safe; one archive per instance.
 */
final class ContextTar {
    private static final int BLOCK = 512;
    private static final int FILE_MODE = 0644;
    private static final int DIR_MODE = 0755;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int paxCount;

    private ContextTar() {}

    /**
     * The archive of every regular file under {@code dir} that {@code ignore} keeps, plus {@code extra}
     * (archive name to bytes), such as a Dockerfile kept outside the context.
     *
     * @param dockerfile the Dockerfile's name in the archive, which {@code ignore} never excludes
     */
    static byte[] of(Path dir, DockerIgnore ignore, String dockerfile, Map<String, byte[]> extra) {
        TreeMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                String name = relative(dir, p);
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !ignore.excludes(name, dockerfile)) {
                    files.put(name, Files.readAllBytes(p));
                }
            }
        } catch (IOException e) {
            throw new BerthException("could not read the build context " + dir + ": " + e.getMessage(), e);
        }
        files.putAll(extra);
        ContextTar tar = new ContextTar();
        TreeSet<String> dirs = new TreeSet<>();
        for (String name : files.keySet()) {
            int slash = name.indexOf('/');
            while (slash > 0) {
                dirs.add(name.substring(0, slash));
                slash = name.indexOf('/', slash + 1);
            }
        }
        // Directories first (sorted, so parents before children), then the files.
        for (String d : dirs) {
            tar.entry(d + "/", '5', DIR_MODE, new byte[0]);
        }
        files.forEach((name, bytes) -> tar.entry(name, '0', FILE_MODE, bytes));
        tar.out.writeBytes(new byte[2 * BLOCK]);
        return tar.out.toByteArray();
    }

    /** {@code p} relative to {@code dir}, {@code /}-separated. */
    static String relative(Path dir, Path p) {
        List<String> parts = new ArrayList<>();
        dir.relativize(p).forEach(part -> parts.add(part.toString()));
        return String.join("/", parts);
    }

    private void entry(String name, char type, int mode, byte[] content) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        boolean ascii = nameBytes.length == name.length();
        if (nameBytes.length > 100 || !ascii) {
            pax(name);
        }
        byte[] header = new byte[BLOCK];
        put(header, 0, 100, ascii && nameBytes.length <= 100 ? name : "PaxName" + paxCount);
        octal(header, 100, 8, mode);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        octal(header, 124, 12, content.length);
        octal(header, 136, 12, 0);
        header[156] = (byte) type;
        put(header, 257, 6, "ustar");
        put(header, 263, 2, "00");
        checksum(header);
        out.writeBytes(header);
        out.writeBytes(content);
        pad(content.length);
    }

    /** A PAX extended header carrying the full UTF-8 path of the next entry. */
    private void pax(String name) {
        String record = " path=" + name + "\n";
        int length = record.getBytes(StandardCharsets.UTF_8).length;
        int total = length + String.valueOf(length).length();
        if (String.valueOf(total).length() != String.valueOf(length).length()) {
            total++;
        }
        byte[] data = (total + record).getBytes(StandardCharsets.UTF_8);
        paxCount++;
        byte[] header = new byte[BLOCK];
        put(header, 0, 100, "PaxHeaders/" + paxCount);
        octal(header, 100, 8, FILE_MODE);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        octal(header, 124, 12, data.length);
        octal(header, 136, 12, 0);
        header[156] = 'x';
        put(header, 257, 6, "ustar");
        put(header, 263, 2, "00");
        checksum(header);
        out.writeBytes(header);
        out.writeBytes(data);
        pad(data.length);
    }

    private void pad(int length) {
        int rest = length % BLOCK;
        if (rest != 0) {
            out.writeBytes(new byte[BLOCK - rest]);
        }
    }

    private static void put(byte[] header, int offset, int length, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, Math.min(length, bytes.length));
    }

    private static void octal(byte[] header, int offset, int length, long value) {
        String text = Long.toOctalString(value);
        if (text.length() > length - 1) {
            throw new UncheckedIOException(new IOException("value " + value + " does not fit a tar header"));
        }
        String padded = "0".repeat(length - 1 - text.length()) + text;
        put(header, offset, length - 1, padded);
        header[offset + length - 1] = 0;
    }

    private static void checksum(byte[] header) {
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        String text = Long.toOctalString(sum);
        put(header, 148, 6, "0".repeat(6 - text.length()) + text);
        header[154] = 0;
        header[155] = ' ';
    }
}
