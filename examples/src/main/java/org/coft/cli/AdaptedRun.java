package org.coft.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options of every command that reads an adapted run folder: the folder and, when it moved, its base model. */
final class AdaptedRun {
    @Option(names = "--model", required = true, description = "adapted model folder (written by coft adapt)")
    Path model;

    @Option(names = "--base", description = "base CLIP model directory, when it moved since adapt (checked by hash; "
            + "not needed for coft and coft-plus classifiers)")
    Path base;
}
