package io.patienttwin.ledger;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.jboss.logging.Logger;

/**
 * A daemon thread that runs a step again and again: at once while the step finds work, otherwise
 * after the poll interval or when woken. A step that throws is logged and retried after the interval.
 */
final class BackgroundLoop {

    private static final Logger LOG = Logger.getLogger(BackgroundLoop.class);

    private final String name;
    private final Duration pollInterval;
    private final IntSupplier step;
    private final Semaphore wake = new Semaphore(0);
    private volatile Thread thread;
    private volatile boolean running;

    /** @param step does one round of work and returns how much it did (0: nothing to do) */
    BackgroundLoop(String name, Duration pollInterval, IntSupplier step) {
        this.name = name;
        this.pollInterval = pollInterval;
        this.step = step;
    }

    synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops after the current step; waits for it up to {@code timeout}. */
    synchronized void stop(Duration timeout) {
        running = false;
        Thread current = thread;
        if (current == null) {
            return;
        }
        wake.release();
        try {
            current.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread = null;
    }

    boolean isRunning() {
        return running;
    }

    void wakeUp() {
        wake.release();
    }

    private void run() {
        while (running) {
            int done;
            try {
                done = step.getAsInt();
            } catch (RuntimeException e) {
                LOG.warnf(e, "%s: step failed; retrying in %s", name, pollInterval);
                done = 0;
            }
            if (done == 0 && running) {
                try {
                    wake.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
