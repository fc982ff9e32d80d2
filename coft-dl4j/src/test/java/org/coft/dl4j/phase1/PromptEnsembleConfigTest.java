package org.coft.dl4j.phase1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** UPL's prompt-representation ensemble as a config field: its defaults, the models it names, what it refuses. */
class PromptEnsembleConfigTest {

    @Test
    void uplTrainsSixteenPromptsCoftItsTwoModels() {
        assertEquals(16, PhaseOneConfig.upl().ensemble());
        assertEquals(1, PhaseOneConfig.defaults().ensemble());
        assertEquals(List.of("A", "B"), PhaseOne.modelNames(PhaseOneConfig.defaults()));
        List<String> upl = PhaseOne.modelNames(PhaseOneConfig.upl());
        assertEquals(16, upl.size());
        assertEquals("A", upl.get(0));
        assertEquals("P", upl.get(15));
        assertEquals(List.of("A"), PhaseOne.modelNames(PhaseOneConfig.upl().withEnsemble(1)));
        assertEquals(26, PhaseOne.modelNames(PhaseOneConfig.upl().withEnsemble(26)).size());
    }

    @Test
    void aConfigWrittenBeforeTheFieldReadsAsOneModel() throws Exception {
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper()
                .readTree(PhaseOneConfig.upl().toJson());
        json.remove("ensemble");
        assertEquals(1, new ObjectMapper().treeToValue(json, PhaseOneConfig.class).ensemble());
        assertEquals(PhaseOneConfig.upl(), PhaseOneConfig.fromJson(PhaseOneConfig.upl().toJson()));
    }

    @Test
    void outOfRangeAndCoftEnsemblesAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PhaseOneConfig.upl().withEnsemble(27));
        assertTrue(e.getMessage().contains("'ensemble' = 27: expected 1 to 26"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PhaseOneConfig.upl().withEnsemble(-1));
        assertTrue(e.getMessage().contains("'ensemble' = -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PhaseOneConfig.upl().withNegativePrompt(true));
        assertTrue(e.getMessage().contains("'ensemble' = 16: expected 1 with negativePrompt = true"), e.getMessage());
    }
}
