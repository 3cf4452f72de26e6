"""Tanheng 碳衡: knowledge-graph decision support for urban-rural integration.

The public API that both the command line and the Streamlit app call lives in
the modules of this package; neither front end holds logic of its own.
"""
__version__ = "0.1.0"
