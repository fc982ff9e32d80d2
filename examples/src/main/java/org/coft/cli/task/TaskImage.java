package org.coft.cli.task;

/**
 * One image of a materialised task.
 *
 * @param fileName the file name inside its class folder (stable: derived from the image's index in the source)
 * @param label    the class index (evaluation only)
 * @param width    width in pixels
 * @param height   height in pixels
 * @param gray     {@code width * height} unsigned grey bytes, row-major
 */
public record TaskImage(String fileName, int label, int width, int height, byte[] gray) {
    public TaskImage {
        if (gray.length != width * height) {
            throw new IllegalArgumentException(fileName + ": " + gray.length + " bytes for " + width + "x" + height);
        }
    }
}
