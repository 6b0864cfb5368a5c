package io.walmetrics.watch;

import io.walmetrics.load.BatchConflictException;
import io.walmetrics.load.LoadFailedException;
import io.walmetrics.load.LoadOptions;
import io.walmetrics.load.LoadReport;
import io.walmetrics.load.Loader;
import io.walmetrics.load.SourcePositionException;
import io.walmetrics.load.TooManyRejectionsException;
import io.walmetrics.load.WalInput;
import io.walmetrics.wal.WalFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;

/**
 * Polls a folder for WAL files ({@code *.json}, {@code *.jsonl}) and loads each, oldest name
 * first, in one process. The ledger decides what is applied: a file applied before is skipped
 * batch by batch, and a file that has grown applies only its new batches.
 *
 * <p>To spare re-reading every file at every poll, a file already dealt with (applied, or found
 * faulty) is remembered by its size and modification time and not read again until one of them
 * changes. A faulty file (malformed JSON, a rewritten batch, too many rejects) is therefore
 * reported once and retried when it changes; a database error (a lock held too long) is retried
 * at the next poll.
 */
public final class FolderWatch {

    /** What the watch tells its user about. */
    public interface Events {
        /** A file of which at least one batch was applied, or not applied as a copy of another input's. */
        void applied(String file, LoadReport report);

        /** A file that failed; the batches before the fault are committed. */
        void failed(String file, Throwable cause, boolean retriedAtNextPoll);
    }

    private record Fingerprint(long size, long modifiedNanos) {
        static Fingerprint of(Path file) throws IOException {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new Fingerprint(attributes.size(), attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS));
        }
    }

    private final Loader loader;
    private final Path folder;
    private final LoadOptions options;
    private final Duration interval;
    private final Events events;
    private final Map<Path, Fingerprint> dealtWith = new HashMap<>();

    public FolderWatch(Jdbi jdbi, Path folder, LoadOptions options, Duration interval, Events events) {
        this.loader = new Loader(jdbi);
        this.folder = folder;
        this.options = options;
        this.interval = interval;
        this.events = events;
    }

    /** Polls until {@code stop} is counted down, then returns once the batch in hand is done. */
    public void run(CountDownLatch stop) throws IOException, InterruptedException {
        LoadOptions stoppable = options.withStopRequested(() -> stop.getCount() == 0);
        do {
            pollOnce(stoppable, stop);
        } while (!stop.await(interval.toNanos(), TimeUnit.NANOSECONDS));
    }

    private void pollOnce(LoadOptions stoppable, CountDownLatch stop) throws IOException {
        List<Path> files = walFiles();
        dealtWith.keySet().retainAll(files);  // a file removed and written again is read afresh
        for (Path file : files) {
            if (stop.getCount() == 0) {
                return;
            }
            Fingerprint fingerprint;
            try {
                fingerprint = Fingerprint.of(file);
            } catch (NoSuchFileException goneSinceListed) {
                continue;
            }
            if (fingerprint.equals(dealtWith.get(file))) {
                continue;
            }
            load(file, fingerprint, stoppable);
        }
    }

    private void load(Path file, Fingerprint fingerprint, LoadOptions stoppable) {
        String name = file.toString();
        try {
            LoadReport report = loader.load(WalInput.of(name), stoppable);
            dealtWith.put(file, fingerprint);
            if (report.batchesApplied() > 0 || report.batchesDuplicate() > 0) {
                events.applied(name, report);
            }
        } catch (LoadFailedException failed) {
            if (failed.partialReport().batchesApplied() > 0) {
                events.applied(name, failed.partialReport());
            }
            boolean faultOfTheFile = isFaultOfTheFile(failed.getCause());
            if (faultOfTheFile) {
                dealtWith.put(file, fingerprint);
            }
            events.failed(name, failed.getCause(), !faultOfTheFile);
        } catch (NoSuchFileException goneSinceListed) {
            dealtWith.remove(file);
        } catch (IOException | RuntimeException failed) {
            events.failed(name, failed, true);
        }
    }

    private static boolean isFaultOfTheFile(Throwable cause) {
        return cause instanceof WalFormatException
                || cause instanceof BatchConflictException
                || cause instanceof SourcePositionException
                || cause instanceof TooManyRejectionsException;
    }

    /** The folder's WAL files in name order: the order they were written in, when named by time. */
    private List<Path> walFiles() throws IOException {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries
                    .filter(path -> isWalFileName(path.getFileName().toString()))
                    .filter(Files::isRegularFile)
                    .sorted(Comparator.comparing(path -> path.getFileName().toString()))
                    .toList();
        }
    }

    static boolean isWalFileName(String name) {
        // a dot file is a writer's temporary; it is renamed into place once complete
        return !name.startsWith(".") && (name.endsWith(".json") || name.endsWith(".jsonl"));
    }
}
