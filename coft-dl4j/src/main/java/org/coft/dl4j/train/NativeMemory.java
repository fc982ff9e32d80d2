package org.coft.dl4j.train;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;

/**
 * Hands the native memory a finished stage freed back to the operating system, at stage boundaries only (after the
 * features and seeds, after a Phase I model is trained and after it has scored the images, after a Phase II network)
 * — never inside a training loop.
 *
 * <p>Why: ND4J's arrays live in native memory that glibc's {@code malloc} keeps once freed (in its arenas, for reuse)
 * rather than returning it to the system, and arrays that became unreachable are freed only after a Java collection,
 * which a training loop with few Java objects triggers rarely. Measured on the development task (2,000 images,
 * CoFT+, seed 0): resident memory after Phase I's first model was 720 MiB, 617 MiB after a collection and 409 MiB
 * after {@code malloc_trim}; without this the process's peak was 1,586–2,058 MiB, with it 1,041 MiB, same
 * predictions.
 *
 * <p>How: one {@link System#gc()} (so that the stage's unreachable arrays are queued for ND4J's deallocator), a
 * 200 ms wait for ND4J's deallocator thread to free their buffers, then the JVM's {@code System.trim_native_heap}
 * diagnostic command ({@code malloc_trim(0)}; JDK 17.0.9 and later, 21 and later, glibc). Where the command is missing
 * the trim is skipped (logged once). {@code -Dcoft.nativeTrim=false} turns all of it off.
 */
public final class NativeMemory {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NativeMemory.class);
    /** The system property that turns the release off ({@code false}). */
    public static final String PROPERTY = "coft.nativeTrim";
    private static final long DEALLOCATOR_WAIT_MS = 200;
    private static volatile boolean trimUnavailable;

    private NativeMemory() {
    }

    /** Whether releases run (the property is not {@code false}). */
    public static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"));
    }

    /**
     * Collects the stage's unreachable arrays and returns freed native memory to the system.
     *
     * @param after the stage that just ended, for the debug log
     * @return whether the native heap was trimmed
     */
    public static boolean release(String after) {
        if (!enabled()) {
            return false;
        }
        System.gc();
        // ND4J's deallocator thread frees the collected arrays' buffers shortly after the collection; give it that
        // moment, so that the trim finds them freed (a stage boundary comes a few times per run)
        try {
            Thread.sleep(DEALLOCATOR_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (trimUnavailable) {
            return false;
        }
        try {
            Object r = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "systemTrimNativeHeap",
                    new Object[] {null}, new String[] {String[].class.getName()});
            LOG.debug("after {}: {}", after, r);
            return true;
        } catch (javax.management.JMException | RuntimeException e) {
            trimUnavailable = true;
            LOG.info("this JVM cannot trim the native heap (System.trim_native_heap: {}); freed native memory stays "
                    + "with the process (JDK 17.0.9+ on glibc has it)", e.toString());
            return false;
        }
    }
}
