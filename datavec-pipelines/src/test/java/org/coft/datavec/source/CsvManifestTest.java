package org.coft.datavec.source;

import org.coft.datavec.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvManifestTest {

    @TempDir
    Path dir;

    @Test
    void labelledManifestWithHeaderQuotesAndRelativePaths() throws Exception {
        TestImages.png(dir.resolve("data/imgs/a,1.png"), 5, 6, 1);
        TestImages.jpeg(dir.resolve("data/imgs/b.jpg"), 7, 3, 2);
        Path abs = TestImages.png(dir.resolve("elsewhere/c.png"), 4, 4, 3);
        Path manifest = Files.writeString(dir.resolve("data/manifest.csv"),
                "path,label\n\"imgs/a,1.png\",shirt\n./imgs/b.jpg , bag \n\n" + abs + ",shirt\n");
        ImageSource src = ImageSources.csv(manifest, SourceOptions.defaults());
        assertEquals(List.of("imgs/a,1.png", "imgs/b.jpg", abs.toString()), src.images().ids());
        EvaluationLabels labels = src.evaluationLabels().orElseThrow();
        assertEquals(List.of("bag", "shirt"), labels.classes().names());
        assertEquals(1, labels.labelOf("imgs/a,1.png"));
        assertEquals(0, labels.labelOf("imgs/b.jpg"));
        assertEquals(7, src.images().load(1).image().width());
    }

    @Test
    void headerlessSingleColumnIsUnlabelled() throws Exception {
        TestImages.png(dir.resolve("x.png"), 4, 4, 1);
        TestImages.png(dir.resolve("y.png"), 4, 4, 2);
        Path manifest = Files.writeString(dir.resolve("m.csv"), "y.png\nx.png\n");
        ImageSource src = ImageSources.csv(manifest, SourceOptions.defaults());
        assertEquals(List.of("y.png", "x.png"), src.images().ids(), "manifest order is kept");
        assertTrue(src.evaluationLabels().isEmpty());
    }

    @Test
    void headerWithoutLabelColumnIsUnlabelled() throws Exception {
        TestImages.png(dir.resolve("x.png"), 4, 4, 1);
        Path manifest = Files.writeString(dir.resolve("m.csv"), "file,comment\nx.png,hello\n");
        ImageSource src = ImageSources.csv(manifest, SourceOptions.defaults());
        assertEquals(List.of("x.png"), src.images().ids());
        assertTrue(src.evaluationLabels().isEmpty());
    }

    @Test
    void splitHandlesQuotes() {
        assertEquals(List.of("a", "b,c", "d\"e"), CsvManifestReader.split("a,\"b,c\",\"d\"\"e\""));
        assertNull(CsvManifestReader.split("\"open"));
    }
}
