package dev.berth.watcher.internal.git;

import dev.berth.common.BerthException;

/** A file in the repository that is larger than the caller is willing to read. */
public final class BlobTooLargeException extends BerthException {
    private static final long serialVersionUID = 1L;

    public BlobTooLargeException(String path, long size, long max) {
        super(path + " is " + size + " bytes, more than the " + max + " bytes Berth reads; split it");
    }
}
