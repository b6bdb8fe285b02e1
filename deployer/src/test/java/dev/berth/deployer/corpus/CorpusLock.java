package dev.berth.deployer.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A machine-wide lock held while one corpus stack runs. Corpus stacks publish fixed host ports and create
 * fixed network and volume names, and several work trees may run the deployer's tests at once on one
 * engine: with the lock, their corpus stacks take turns instead of colliding. Not reentrant.
 */
final class CorpusLock implements AutoCloseable {
    private static final Path FILE = Path.of(System.getProperty("java.io.tmpdir"), "berth-corpus.lock");

    private final FileChannel channel;
    private final FileLock lock;

    private CorpusLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Waits until no other process runs a corpus stack. */
    static CorpusLock acquire() {
        try {
            FileChannel channel = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new CorpusLock(channel, channel.lock());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + FILE, e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
