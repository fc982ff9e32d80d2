package org.coft.cli;

import org.coft.datavec.BadInputPolicy;
import picocli.CommandLine.Option;

/** The options of every command that reads a data source's images: decoding threads and the bad-image policy. */
final class ImageReading {
    @Option(names = "--threads", defaultValue = "2", description = "image decoding threads (default: ${DEFAULT-VALUE})")
    int threads = 2;

    @Option(names = "--bad-images", defaultValue = "fail", description = "fail or skip unreadable images (default: "
            + "${DEFAULT-VALUE})")
    String badImages = "fail";

    /** The policy named by {@code --bad-images} (an unknown name is an error listing the choices). */
    BadInputPolicy policy() {
        return BadInputPolicy.parse(badImages);
    }
}
