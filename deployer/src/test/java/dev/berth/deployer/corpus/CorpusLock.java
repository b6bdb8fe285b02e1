package dev.berth.deployer.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * A machine-wide lock on one corpus stack, held while it runs on an engine. A stack publishes fixed host
 * ports and creates fixed container, network and volume names, so the same stack must not run twice at
 * once: not under Compose and Berth, not on the two engines (which publish ports on the same host), not
 * from two work trees. Different stacks may run at once: no two publish the same host port
 * ({@link CorpusTest}) and their fixed names carry their number. Not reentrant.
 */
final class CorpusLock implements AutoCloseable {
    /** Between threads of this JVM: a FileLock only excludes other processes. */
    private static final Map<String, Semaphore> IN_THIS_JVM = new ConcurrentHashMap<>();

    private final Semaphore local;
    private final FileChannel channel;
    private final FileLock lock;

    private CorpusLock(Semaphore local, FileChannel channel, FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    /** Waits until no other thread or process runs this stack. */
    static CorpusLock acquire(CorpusStack stack) throws InterruptedException {
        Semaphore local = IN_THIS_JVM.computeIfAbsent(stack.name(), n -> new Semaphore(1));
        local.acquire();
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "berth-corpus-" + stack.name() + ".lock");
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new CorpusLock(local, channel, channel.lock());
        } catch (IOException e) {
            local.release();
            throw new UncheckedIOException("cannot lock " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            local.release();
        }
    }
}
