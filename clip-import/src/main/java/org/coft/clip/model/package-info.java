/**
 * A CLIP model built from an exported model directory, with the seams fine-tuning needs: the text tower
 * from token embeddings, image features before and after projection, the logit scale, trainable or frozen
 * towers. Seams are found by graph structure.
 */
package org.coft.clip.model;
