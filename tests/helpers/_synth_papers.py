"""Synthetic citing papers for generator tests and benchmarks (authored, not copied from anywhere).

``para("YOLOv3 {3} detects objects.")`` writes a paragraph in LaTeXML's numeric style: the marker
becomes "[3]" and the citation span covers the number, as the parser emits it. Variants:
``{3,5}`` a grouped citation "[3, 5]"; ``{3|Smith et al. (2020)}`` author-year, where (as on ar5iv)
only the year is the link.
"""

from __future__ import annotations

import random
import re
from datetime import date

from scalar.schema import CitationSpan, CitingPaper, Paper, Paragraph, Reference, Section

_MARK = re.compile(r"\{([0-9,]+)(?:\|([^}]*))?\}")


def para(template: str) -> Paragraph:
    text, spans, pos = "", [], 0
    for m in _MARK.finditer(template):
        text += template[pos:m.start()]
        nums = m.group(1).split(",")
        if m.group(2):  # author-year: the link is the year at the end of the surface text
            surface = m.group(2)
            year = re.search(r"\d{4}[a-z]?", surface)
            base = len(text)
            text += surface
            spans.append(CitationSpan(start=base + year.start(), end=base + year.end(), ref=f"bib.bib{nums[0]}"))
        else:
            text += "["
            for i, n in enumerate(nums):
                if i:
                    text += ", "
                spans.append(CitationSpan(start=len(text), end=len(text) + len(n), ref=f"bib.bib{n}",
                                          grouped=len(nums) > 1))
                text += n
            text += "]"
        pos = m.end()
    text += template[pos:]
    return Paragraph(text=text, citations=spans)


def cited_paper(n: int, title: str, *, body_words: int = 60, rnd: random.Random | None = None,
                arxiv_id: str | None = None) -> Paper:
    rnd = rnd or random.Random(n)
    words = _VOCAB
    def filler(k: int) -> str:
        return " ".join(rnd.choice(words) for _ in range(k)) + "."
    sections = [
        Section(title="1 Introduction", paragraphs=[Paragraph(text=f"INTRO-{n}: we present {title}. " + filler(body_words))]),
        Section(title="2 Method", paragraphs=[
            Paragraph(text=f"METHOD-{n}: " + filler(body_words)),
            Paragraph(text=f"Details ‣ 2 Method ‣ {title} " + filler(body_words)),
        ]),
        Section(title="3 Experiments", paragraphs=[Paragraph(text=f"EXPERIMENTS-{n}: " + filler(body_words))]),
        Section(title="4 Conclusion", paragraphs=[Paragraph(text=f"CONCLUSION-{n}: " + filler(body_words))]),
        Section(title="A Extra proofs", appendix=True, paragraphs=[Paragraph(text=f"APPENDIX-{n}: " + filler(10))]),
    ]
    return Paper(arxiv_id=arxiv_id or f"2301.{n:05d}", title=title, abstract=f"ABSTRACT-{n}: " + filler(30),
                 sections=sections)


_VOCAB = """signal gradient latent sparse retrieval kernel spectral manifold entropy variance
bottleneck horizon curvature lattice token sequence transport diffusion contrastive calibration
alignment quantile residual momentum sampler operator benchmark encoder decoder graph reward""".split()


REF_TITLES = {
    1: "Attention dilution in long sequence retrieval",
    2: "Scaling laws for sparse mixtures of experts",
    3: "YOLOv3: An incremental improvement",
    4: "Contrastive calibration of language encoders",
    5: "Spectral methods for graph transport problems",
    6: "FlashNorm: fast normalisation kernels on accelerators",
    7: "Residual momentum samplers for diffusion models",
    8: "A survey of latent curvature",  # no full text
    9: "Quantile reward horizons in offline reinforcement learning",
}


def small_citing_paper(arxiv_id: str = "2410.00001", *, cited_words: int = 60) -> CitingPaper:
    """A hand-written citing paper whose every citation is known, for exact assertions.

    Occurrences (single unless noted):
      bib1: intro (descriptive), related work (descriptive)   - cited twice
      bib2: intro grouped with bib5 "[2, 5]"; related work (descriptive)
      bib3: "YOLOv3 {3}" in experiments (attributional, name in title -> surface match)
      bib4: "CalibNet {4}" (attributional, name not in title); related work (descriptive)
      bib5: related work (descriptive), author-year "Lee and Park (2022)"
      bib6: "we use FlashNorm {6}" (attributional, name in title)
      bib7: method paragraph (descriptive); its full title also appears, uncited, in a later paragraph
      bib8: no full text; bib9: cited paper too long unless the cap is raised
    """
    rnd = random.Random(7)
    def filler(k: int) -> str:
        return " ".join(rnd.choice(_VOCAB) for _ in range(k)) + "."
    sections = [
        Section(title="1 Introduction", paragraphs=[
            para("Long documents remain hard for current systems, which lose track of distant evidence {1}. "
                 + filler(40)),
            para("Sparse models scale well {2,5} and many results depend on careful tuning " + filler(30)),
        ]),
        Section(title="2 Related Work", paragraphs=[
            para("Prior evidence suggests that relevant passages are diluted in long inputs {1}. " + filler(30)
                 + " Scaling behaviour of sparse experts was characterised in detail {2}. " + filler(20)),
            para("Encoders can be calibrated with contrastive objectives {4}, and transport costs on graphs "
                 "admit spectral solutions, as shown by {5|Lee and Park (2022)}. " + filler(30)),
            para("A curvature perspective is surveyed elsewhere {8}. " + filler(25)),
        ]),
        Section(title="3 Method", paragraphs=[
            para(filler(40) + " Our sampler builds on residual momentum updates {7}. " + filler(40)),
            para("We implement normalisation with FlashNorm {6} for speed. " + filler(30)),
            para("Offline rewards follow standard practice {9}. " + filler(20)),
            para("The paper residual momentum samplers for diffusion models motivates our schedule. " + filler(20)),
        ]),
        Section(title="4 Experiments", paragraphs=[
            para("We evaluate three detectors: our model, a baseline, and YOLOv3 {3} on the same data. " + filler(30)),
            para("For calibration we compare against CalibNet {4} trained with default settings. " + filler(30)),
        ]),
        Section(title="5 Conclusion", paragraphs=[para("We presented a method. " + filler(40))]),
        Section(title="A Appendix", appendix=True, paragraphs=[para("More on YOLOv3 {3}. " + filler(10))]),
    ]
    refs = [Reference(key=f"bib.bib{n}", title=t, raw=f"Author{n} A. {t}. 2023.",
                      authors=["Lee, J.", "Park, S."] if n == 5 else [f"Author{n} A."],
                      arxiv_id=f"2301.{n:05d}" if n != 8 else None, year=2023)
            for n, t in REF_TITLES.items()]
    paper = Paper(arxiv_id=arxiv_id, version="v1", title="Long contexts with sparse citations",
                  abstract="We study long-context models. " + filler(30), sections=sections, references=refs,
                  first_public_date=date(2024, 10, 1))
    cited = {f"bib.bib{n}": cited_paper(n, REF_TITLES[n], body_words=cited_words) for n in REF_TITLES if n != 8}
    cited["bib.bib9"] = cited_paper(9, REF_TITLES[9], body_words=3000)
    return CitingPaper(paper=paper, cited=cited, first_public_date=date(2024, 10, 1))


_NAMES = ["FlowNet", "GraphMix", "SparseLM", "TokenFlow", "Reformer2", "CalibNet", "DiffuseX", "LatentGAN",
          "RetroNet", "QuantNorm", "OrbitAE", "MixLoRA", "ProtoSeg", "HyperTune", "MetaPlan", "ViTrain"]


def random_citing_paper(i: int, *, n_refs: int = 40, n_cited: int = 10, sections: int = 6,
                        paragraphs: int = 10, words: int = 140, cited_sections: int = 6,
                        cited_words: int = 1100, cite_rate: float = 1.0) -> CitingPaper:
    """A synthetic citing paper of realistic size: with ``words=195, cited_words=1400,
    cite_rate=0.3`` about 13k o200k tokens of text and ~70 citation occurrences over ``n_refs``
    references, ``n_cited`` of them with full text (~10k tokens each). The default ``cite_rate``
    cites about three times as densely (more questions from small test papers)."""
    rnd = random.Random(i)
    vocab = list(_LONG_VOCAB)
    def sentence(k: int) -> str:
        ws = [rnd.choice(vocab) for _ in range(k)]
        ws[0] = ws[0].capitalize()
        return " ".join(ws) + "."
    secs = []
    for s in range(sections):
        paras = []
        for _ in range(paragraphs):
            parts = []
            for _ in range(rnd.randint(max(1, words // 28), max(1, words // 10))):
                sent = sentence(14)
                r = rnd.random()
                r /= cite_rate
                if r < 0.12:  # attributional: a name then its citation
                    n = rnd.randint(1, n_refs)
                    sent = sent[:-1] + f" with {_NAMES[n % len(_NAMES)]}{n} {{{n}}}."
                elif r < 0.30:
                    n = rnd.randint(1, n_refs)
                    sent = sent[:-1] + f" {{{n}}}."
                elif r < 0.36:
                    a, b = rnd.sample(range(1, n_refs + 1), 2)
                    sent = sent[:-1] + f" {{{a},{b}}}."
                parts.append(sent)
            paras.append(para(" ".join(parts)))
        secs.append(Section(title=f"{s + 1} Section {s + 1}", paragraphs=paras))
    # Even-numbered works carry their in-text name in the title (a string match finds them), odd ones not.
    refs = [Reference(key=f"bib.bib{n}", title=(f"{_NAMES[n % len(_NAMES)]}{n}: " if n % 2 == 0 else "")
                      + f"study {n} of {rnd.choice(vocab)} {rnd.choice(vocab)} {rnd.choice(vocab)}",
                      raw=f"Writer{n} B. Some title. 2023.",
                      arxiv_id=f"23{i % 12 + 1:02d}.{n:05d}") for n in range(1, n_refs + 1)]
    cited = {}
    for n in rnd.sample(range(1, n_refs + 1), n_cited):
        body = []
        for s in range(cited_sections):
            name = ["Introduction", "Method", "Analysis", "Experiments", "Ablations", "Conclusion"][s % 6]
            paras = [Paragraph(text=" ".join(sentence(14) for _ in range(cited_words // (14 * 4))))
                     for _ in range(4)]
            body.append(Section(title=f"{s + 1} {name}", paragraphs=paras))
        cited[f"bib.bib{n}"] = Paper(arxiv_id=refs[n - 1].arxiv_id, title=refs[n - 1].title,
                                     abstract=" ".join(sentence(14) for _ in range(10)), sections=body)
    paper = Paper(arxiv_id=f"2411.{i:05d}", version="v1", title=f"Synthetic citing paper {i}",
                  abstract=" ".join(sentence(14) for _ in range(12)), sections=secs, references=refs,
                  first_public_date=date(2024, 10, 1 + i % 28))
    return CitingPaper(paper=paper, cited=cited, first_public_date=paper.first_public_date)


_LONG_VOCAB = _VOCAB + ("""model training inference dataset evaluation attention transformer layer
network parameter objective optimisation convergence regularisation representation feature embedding
context window memory retrieval augmentation supervision annotation robustness generalisation
distribution shift adversarial uncertainty estimation variance bias estimator consistency efficiency
throughput latency hardware accelerator compression pruning distillation quantisation precision
theorem bound proof lemma assumption analysis experiment ablation baseline comparison improvement
result table figure appendix section method approach framework pipeline component module""").split()
