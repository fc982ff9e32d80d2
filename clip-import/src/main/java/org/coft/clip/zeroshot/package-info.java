/** Zero-shot classification with a CLIP model: prompt templates, class embeddings, top-k predictions. */
package org.coft.clip.zeroshot;
