package org.coft.clip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.coft.clip.Fixtures;
import org.coft.clip.Tensors;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Shallow and deep visual prompt tokens against the PyTorch reference (outputs and prompt gradients). */
class VisualPromptTest {
    private static INDArray ref(String name) {
        return Fixtures.npy(Fixtures.path("ref", "hf_grad", name + ".npy"));
    }

    private static void check(ClipLoadOptions options, String kind) throws Exception {
        ClipModel m = ClipModel.load(Fixtures.path("clip-tiny-hf"), options);
        ClipTower v = m.vision();
        INDArray prompts = ref("vpt_" + kind + "_prompts");
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> bound = new java.util.HashMap<>();
        if (kind.equals("shallow")) {
            bound.put(VisualPromptSeams.SHALLOW, sd.var("prompts", prompts.dup()));
        } else {
            SDVariable all = sd.var("prompts", prompts.dup());
            bound.put(VisualPromptSeams.SHALLOW, sd.reshape(all.get(org.nd4j.autodiff.samediff.SDIndex.point(0)),
                    prompts.size(1), prompts.size(2)));
            bound.put(VisualPromptSeams.DEEP, all.get(org.nd4j.autodiff.samediff.SDIndex.interval(1L, prompts.size(0))));
        }
        var layer = v.graph().defineInto(sd, "vision/", bound, false);
        SDVariable emb = layer.outputs().get(v.output());
        SDVariable loss = emb.mul(sd.constant("R", ref("vision_weight"))).sum("loss");
        sd.setLossVariables(loss);
        Map<String, INDArray> ph = Map.of(layer.emitted().inputs().get(m.pixelInput()), ref("pixel_values"));
        var og = sd.calculateGradientsAndOutputs(ph, List.of("loss", emb.name()), List.of("prompts"));
        Tensors.assertClose(kind + " image_embeds", og.getOutputs().get(emb.name()), ref("vpt_" + kind + "_image_embeds"),
                1e-4, 1e-3);
        Tensors.assertClose(kind + " d loss / d prompts", og.getGradients().get("prompts"),
                ref("vpt_" + kind + "_grad_prompts"), 1e-4, 1e-3);
    }

    @Test
    void shallowPromptsMatchPyTorch() throws Exception {
        check(ClipLoadOptions.shallowPrompts(4), "shallow");
    }

    @Test
    void deepPromptsMatchPyTorch() throws Exception {
        check(ClipLoadOptions.deepPrompts(4), "deep");
    }

    @Test
    void promptsNeedAVitTowerAndValidOptions() {
        assertThrows(IllegalArgumentException.class, () -> new ClipLoadOptions(0, true));
        assertThrows(IllegalArgumentException.class, () -> new ClipLoadOptions(-1, false));
        assertEquals(4, ClipLoadOptions.shallowPrompts(4).visualPromptTokens());
    }
}
