// Corpus header: a class template with inline members.
#ifndef CORPUS_TMPL_H
#define CORPUS_TMPL_H

template <typename T>
class Box {
public:
	explicit Box(T v) : v_(v) {}
	T get() const { return v_; }
	T twice() const
	{
		if (v_ > 0)
			return v_ + v_;
		return 0;
	}

private:
	T v_;
};

#endif
