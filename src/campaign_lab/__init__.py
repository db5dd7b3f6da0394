"""Campaign AI Lab: helpers for the course notebooks.

The notebooks teach pandas, scikit-learn, nltk and openai directly. This package
holds only what would distract a learner: finding the course files, loading the
synthetic data (and making it at national scale), checking exercises, starting the local
AI model and plot style.
"""

__version__ = "0.1.0"

# The modules a notebook imports (``from campaign_lab import ai, data, plotting``).
__all__ = ["ai", "data", "datagen", "errors", "paths", "plotting", "profiles", "scale", "stats", "text", "where"]
