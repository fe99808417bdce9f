"""Coconut Workbench training engine: Chain of Continuous Thought (Hao et al., 2024) in PyTorch.

Run as ``python -m coconut_engine train --config CONFIG.yaml --run-dir RUN_DIR``.
"""

__version__ = "0.1.0"
