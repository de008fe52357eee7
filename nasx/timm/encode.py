def encode_arch_def(spec): raise NotImplementedError
