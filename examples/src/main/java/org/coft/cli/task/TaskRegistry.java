package org.coft.cli.task;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The known benchmark tasks, by name. */
public final class TaskRegistry {
    private static final Map<String, BenchmarkTask> TASKS = new LinkedHashMap<>();

    static {
        for (BenchmarkTask t : List.of(FashionShiftTask.reported(), new DigitsRealTask(),
                FashionShiftTask.development(), DigitsZoomTask.zoom(), DigitsZoomTask.rotate())) {
            TASKS.put(t.name(), t);
        }
    }

    private TaskRegistry() {
    }

    /** @return the task names */
    public static List<String> names() {
        return List.copyOf(TASKS.keySet());
    }

    /**
     * @param name a task name
     * @return the task
     * @throws IllegalArgumentException for an unknown name, listing the valid ones
     */
    public static BenchmarkTask byName(String name) {
        BenchmarkTask t = TASKS.get(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown task '" + name + "'; valid: " + String.join(", ", names()));
        }
        return t;
    }
}
