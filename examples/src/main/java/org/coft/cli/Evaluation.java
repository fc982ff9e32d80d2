package org.coft.cli;

import java.io.PrintWriter;
import org.coft.datavec.source.ClassList;

/** Accuracy, per-class accuracy and confusion matrix of predictions against evaluation labels. */
final class Evaluation {
    private Evaluation() {
    }

    /** Prints the report and returns the accuracy (fraction). */
    static double report(ClassList classes, int[] truth, int[] predicted, PrintWriter out) {
        int k = classes.size();
        long[][] confusion = new long[k][k];
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            confusion[truth[i]][predicted[i]]++;
            if (truth[i] == predicted[i]) {
                correct++;
            }
        }
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
        double acc = truth.length == 0 ? 0.0 : (double) correct / truth.length;
        out.printf("accuracy=%.4f%n", acc);
        return acc;
    }
}
