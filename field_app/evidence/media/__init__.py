"""Audio/video evidence (音频视频): resumable uploads, content-addressed storage, analysis, re-use."""
