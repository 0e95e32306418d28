# A greeter with planted problems for RuboCop.
class Greeter
  def initialize(name)
    @name = name
  end

  def greet
    unused = 42
    return "Hello, " + @name
  end

  def shout
    eval("puts '#{@name}'.upcase")
  end
end
