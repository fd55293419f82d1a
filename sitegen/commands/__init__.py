"""Commands: the only modules that sequence the pipeline's stages."""
