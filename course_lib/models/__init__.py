"""Chapter models built from the core library: continuous attractor (cann), working memory, decision making."""
