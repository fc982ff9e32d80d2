package org.coft.cli;

import java.io.PrintWriter;
import org.coft.datavec.source.ClassList;
import org.coft.dl4j.eval.RunEvaluation;

/** Prints accuracy, per-class accuracy and the confusion matrix (measured by {@link RunEvaluation}). */
final class Evaluation {
    private Evaluation() {
    }

    /** Measures and prints predictions against labels; returns the accuracy (fraction). */
    static double report(ClassList classes, int[] truth, int[] predicted, PrintWriter out) {
        double acc = RunEvaluation.accuracy(truth, predicted);
        print(classes, RunEvaluation.confusion(truth, predicted, classes.size()), acc, out);
        return acc;
    }

    /** Prints a run's report: per-class accuracy, confusion matrix, {@code accuracy=}. */
    static void print(ClassList classes, RunEvaluation.Report r, PrintWriter out) {
        print(classes, r.confusion(), r.accuracy(), out);
    }

    private static void print(ClassList classes, long[][] confusion, double accuracy, PrintWriter out) {
        int k = classes.size();
        out.println("per-class accuracy:");
        for (int c = 0; c < k; c++) {
            long n = 0;
            for (int j = 0; j < k; j++) {
                n += confusion[c][j];
            }
            out.printf("  %-24s %6.2f %%  (%d/%d)%n", classes.name(c), n == 0 ? 0.0 : 100.0 * confusion[c][c] / n,
                    confusion[c][c], n);
        }
        out.println("confusion matrix (rows: true class, columns: predicted):");
        for (int c = 0; c < k; c++) {
            StringBuilder sb = new StringBuilder("  ");
            for (int j = 0; j < k; j++) {
                sb.append(String.format("%6d", confusion[c][j]));
            }
            out.println(sb.append("  ").append(classes.name(c)));
        }
        out.printf("accuracy=%.4f%n", accuracy);
    }
}
